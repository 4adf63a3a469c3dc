-- Respondents answering, and respondents giving the counted answer, per trust, survey year,
-- indicator and ethnic group. A respondent counts towards their org_code when it is a trust
-- in scope in etr.csv, and towards that trust's etr region and England downstream; a
-- respondent whose org_code is not in etr.csv, or is outside England or cannot be attributed,
-- is left out of every level (see int_staff_survey__unattributed_respondents). Survey year S is reported in WRES year S + 1.
-- Every trust with at least one respondent gets a row for every indicator and group: a group
-- with no respondents has 0, not a missing row.
with

answers as (

    select * from {{ ref('int_staff_survey__answer_counts') }}

),

organisations as (

    select * from {{ ref('int_organisations_scoped') }}
    where in_scope

),

group_members as (

    select * from {{ ref('int_ethnic_group_members') }}

),

groups as (

    select distinct group_name from group_members

),

trust_answers as (

    select
        answers.*,
        organisations.region_code
    from answers
    inner join organisations
        on answers.org_code = organisations.org_code

),

trust_indicators as (

    select distinct org_code, survey_year, region_code, metric_id
    from trust_answers

),

group_totals as (

    select
        trust_answers.org_code,
        trust_answers.survey_year,
        trust_answers.metric_id,
        group_members.group_name,
        sum(trust_answers.respondents_answering) as respondents_answering,
        sum(trust_answers.respondents_counted) as respondents_counted
    from trust_answers
    inner join group_members
        on trust_answers.ethnic_category = group_members.ethnic_category
    group by all

),

trust_group_counts as (

    select
        trust_indicators.org_code,
        trust_indicators.survey_year,
        trust_indicators.survey_year + 1 as reporting_year,
        trust_indicators.region_code,
        trust_indicators.metric_id,
        groups.group_name,
        coalesce(group_totals.respondents_answering, 0)::bigint as respondents_answering,
        coalesce(group_totals.respondents_counted, 0)::bigint as respondents_counted
    from trust_indicators
    cross join groups
    left join group_totals
        on trust_indicators.org_code = group_totals.org_code
        and trust_indicators.survey_year = group_totals.survey_year
        and trust_indicators.metric_id = group_totals.metric_id
        and groups.group_name = group_totals.group_name

)

select * from trust_group_counts
