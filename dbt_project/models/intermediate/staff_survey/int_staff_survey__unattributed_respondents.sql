-- Respondents of a valid survey file whose org_code is not a trust in etr.csv. They cannot be
-- given a trust or a region, and England is the pool of the trusts, so they are left out of
-- every level of wres5-8. This model lists them for the data log; a warning test reports them.
with

responses as (

    select * from {{ ref('stg_staff_survey__responses') }}

),

organisations as (

    select * from {{ ref('stg_reference__organisations') }}

),

unattributed as (

    select
        responses.survey_year,
        responses.survey_year + 1 as reporting_year,
        responses.org_code,
        count(*)::bigint as respondents
    from responses
    left join organisations
        on responses.org_code = organisations.org_code
    where organisations.org_code is null
    group by all

)

select * from unattributed
