-- The published organisation lookup: every organisation of etr.csv, with whether the
-- pipeline monitors it (in_scope) and why not. Trust type comes from the optional
-- trust_types.csv and is 'unknown' without it; successor from the optional successors.csv.
with

organisations as (

    select * from {{ ref('int_organisations_scoped') }}

),

trust_types as (

    select * from {{ ref('stg_reference__trust_types') }}

),

successors as (

    select * from {{ ref('stg_reference__successors') }}

),

final as (

    select
        organisations.org_code,
        organisations.org_name,
        organisations.region_code,
        organisations.region_name,
        organisations.icb_code,
        coalesce(trust_types.trust_type, 'unknown') as trust_type,
        organisations.open_date,
        organisations.close_date,
        organisations.in_scope,
        organisations.scope_note,
        successors.new_org_code as successor_org_code,
        successors.effective_date as successor_effective_date
    from organisations
    left join trust_types
        on organisations.org_code = trust_types.org_code
    left join successors
        on organisations.org_code = successors.old_org_code

)

select * from final
