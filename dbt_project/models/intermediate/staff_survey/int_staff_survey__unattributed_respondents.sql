-- Respondents of a valid survey file whose org_code is not a trust the pipeline monitors: not
-- in etr.csv at all, or in etr.csv but outside England or unattributable (input contract 1.1).
-- They cannot be given a monitored trust or a region, and England is the pool of the trusts,
-- so they are left out of every level of wres5-8. This model lists them with the reason and a
-- count for the data log; a warning test reports how many.
with

responses as (

    select * from {{ ref('stg_staff_survey__responses') }}

),

organisations as (

    select * from {{ ref('int_organisations_scoped') }}

),

unattributed as (

    select
        responses.survey_year,
        responses.survey_year + 1 as reporting_year,
        responses.org_code,
        coalesce(organisations.scope_note, 'Not an organisation in etr.csv.') as reason,
        count(*)::bigint as respondents
    from responses
    left join organisations
        on responses.org_code = organisations.org_code
    where not coalesce(organisations.in_scope, false)
    group by all

)

select * from unattributed
