-- A trust is expected to report for year Y when etr.csv has it open at any time in the
-- reporting year, 1 April Y-1 to 31 March Y. Its etr region applies to every year. Only an
-- organisation in scope (int_organisations_scoped) is ever expected.
with

reporting_years as (

    select * from {{ ref('int_reporting_years') }}

),

organisations as (

    select * from {{ ref('int_organisations_scoped') }}
    where in_scope

),

year_periods as (

    select
        reporting_year,
        make_date(reporting_year - 1, 4, 1) as period_start,
        make_date(reporting_year, 3, 31) as period_end
    from reporting_years

),

expected as (

    select
        organisations.org_code,
        year_periods.reporting_year,
        organisations.region_code
    from organisations
    inner join year_periods
        on coalesce(organisations.open_date, year_periods.period_start) <= year_periods.period_end
        and coalesce(organisations.close_date, year_periods.period_end) >= year_periods.period_start

)

select * from expected
