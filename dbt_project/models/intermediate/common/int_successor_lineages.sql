-- Successor lineages (metrics.md, Trends; inputs.md, successors.csv): each trust that
-- successors.csv maps to a successor, followed through any chain of mergers (A -> B -> C)
-- to the organisation it ends in, plus that organisation itself. A trend shown on a
-- successor pools, year by year, the counts of every trust of its lineage
-- (geography_level `successor_lineage` of the WRES and staff survey trust geographies).
-- A mapping that never ends (a cycle, which is bad data) is left out: nothing is carried.
with

successors as (

    select old_org_code, new_org_code from {{ ref('stg_reference__successors') }}

),

-- every (closed trust, organisation it was carried into at some step); a chain is at most
-- as long as successors.csv, which also stops a cycle
chain_steps as (

    select * from (
        with recursive steps (old_org_code, successor_code, step) as (

            select old_org_code, new_org_code, 1
            from successors

            union all
            select steps.old_org_code, successors.new_org_code, steps.step + 1
            from steps
            inner join successors
                on steps.successor_code = successors.old_org_code
            where steps.step < (select count(*) from successors)

        )
        select * from steps
    )

),

-- the end of each chain: a successor that is not itself mapped on
predecessors as (

    select distinct chain_steps.old_org_code as org_code, chain_steps.successor_code
    from chain_steps
    where chain_steps.successor_code not in (select old_org_code from successors)

),

lineages as (

    select org_code, successor_code, false as is_successor
    from predecessors

    union all
    select distinct successor_code, successor_code, true
    from predecessors

)

select
    org_code::varchar as org_code,
    successor_code::varchar as successor_code,
    is_successor
from lineages
