-- Which trusts each successor lineage pools, per source and reporting year: the trusts of
-- the lineage (int_successor_lineages) with a valid WRES return (source `wres`), or with
-- staff survey respondents (source `staff_survey`, wres5-8), that year. This is what
-- equity_trends reports as includes_predecessors.
with

wres_pools as (

    select
        'wres' as source,
        geography_code as successor_code,
        reporting_year,
        string_agg(org_code, ';' order by org_code) filter (where has_valid_return)
            as pooled_org_codes
    from {{ ref('int_wres__trust_geographies') }}
    where geography_level = 'successor_lineage'
    group by all

),

staff_survey_pools as (

    select
        'staff_survey' as source,
        geography_code as successor_code,
        reporting_year,
        string_agg(org_code, ';' order by org_code) filter (where has_respondents)
            as pooled_org_codes
    from {{ ref('int_staff_survey__trust_geographies') }}
    where geography_level = 'successor_lineage'
    group by all

),

lineage_pools as (

    select * from wres_pools
    union all
    select * from staff_survey_pools

)

select
    source::varchar as source,
    successor_code::varchar as successor_code,
    reporting_year::integer as reporting_year,
    pooled_org_codes::varchar as pooled_org_codes
from lineage_pools
