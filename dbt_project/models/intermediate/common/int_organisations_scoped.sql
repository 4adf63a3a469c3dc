-- Every organisation of etr.csv, and whether the pipeline monitors it (input contract 1.1).
-- ODS publishes more than the English trusts: a row whose national grouping is not a region
-- in regions.csv is outside England, and a row validation could not attribute (empty name,
-- grouping or open date, or a bad date) cannot be placed. Both stay in the organisation
-- lookup with in_scope = false and are never expected to send a return.
with

organisations as (

    select * from {{ ref('stg_reference__organisations') }}

),

regions as (

    select * from {{ ref('stg_reference__regions') }}

),

scoped as (

    select
        organisations.*,
        regions.region_name,
        organisations.unattributable_reason is null
            and regions.region_code is not null as in_scope,
        case
            when organisations.unattributable_reason is not null
                then 'Cannot be attributed: ' || organisations.unattributable_reason || '.'
            when regions.region_code is null
                then 'Outside England: national grouping ' || organisations.region_code
                    || ' is not a region in regions.csv.'
        end as scope_note
    from organisations
    left join regions
        on organisations.region_code = regions.region_code

)

select * from scoped
