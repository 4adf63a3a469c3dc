-- Which geographies each trust counts towards in a WRES year: itself, its etr region and
-- England. Every pooled WRES figure sums its counts over these rows, so a trust's figure
-- is simply the pool of one trust. Trusts are those expected that year (open in etr.csv
-- during it) plus any trust that returned without being expected.
-- For trends only, a trust in a successor's lineage (int_successor_lineages: the successor
-- and the closed trusts successors.csv carries into it) also counts towards the geography
-- `successor_lineage` coded as the successor, so that the successor's trend pools the counts
-- of its whole lineage in every year. equity_metrics never publishes that level.
with

reporting_years as (

    select reporting_year from {{ ref('int_reporting_years') }} where has_wres

),

trusts_expected as (

    select trusts_expected.*
    from {{ ref('int_trusts_expected') }} as trusts_expected
    inner join reporting_years
        on trusts_expected.reporting_year = reporting_years.reporting_year

),

valid_returns as (

    select * from {{ ref('int_wres__valid_returns') }}

),

successor_lineages as (

    select * from {{ ref('int_successor_lineages') }}

),

reporting_trusts as (

    select
        coalesce(valid_returns.org_code, trusts_expected.org_code) as org_code,
        coalesce(valid_returns.reporting_year, trusts_expected.reporting_year) as reporting_year,
        coalesce(valid_returns.region_code, trusts_expected.region_code) as region_code,
        trusts_expected.org_code is not null as is_expected,
        valid_returns.org_code is not null as has_valid_return
    from trusts_expected
    full outer join valid_returns
        on trusts_expected.org_code = valid_returns.org_code
        and trusts_expected.reporting_year = valid_returns.reporting_year

),

trust_geographies as (

    {{ trust_geography_rows('reporting_trusts', 'successor_lineages') }}

)

select
    org_code,
    reporting_year,
    geography_level,
    geography_code,
    is_expected,
    has_valid_return
from trust_geographies
