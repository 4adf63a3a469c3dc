-- Trusts with a valid WRES return for a year, with their etr region. Only accepted
-- workbooks reach the validated zone, so a submission row is a valid return.
with

submissions as (

    select * from {{ ref('stg_wres__submissions') }}

),

organisations as (

    select * from {{ ref('stg_reference__organisations') }}

),

valid_returns as (

    select
        submissions.org_code,
        submissions.reporting_year,
        organisations.region_code,
        submissions.submission_date,
        submissions.source_file
    from submissions
    inner join organisations
        on submissions.org_code = organisations.org_code

)

select * from valid_returns
