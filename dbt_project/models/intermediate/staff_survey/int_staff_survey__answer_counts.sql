-- Respondents in each staff survey indicator (metrics.md, WRES 5-8), per organisation code,
-- survey year and ethnic category: those in its denominator (`answered`) and those in its
-- numerator (`counted`). The conditions are those of the macro staff_survey_indicators; an
-- empty item means not answered. Counted with one pass over the responses (a conditional
-- count per indicator), never as a respondent-by-indicator table: the survey is the one
-- large input. Nothing is attributed to a trust here: see int_staff_survey__trust_group_counts.
{%- set indicators = staff_survey_indicators() %}

with

responses as (

    select * from {{ ref('stg_staff_survey__responses') }}

),

category_counts as (

    select
        org_code,
        survey_year,
        ethnic_category,
        {%- for indicator in indicators %}
        count(*) filter (where {{ indicator.answered }}) as answering_{{ loop.index }},
        count(*) filter (where ({{ indicator.answered }}) and ({{ indicator.counted }})) as counted_{{ loop.index }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from responses
    group by all

),

-- one row per indicator
answer_counts as (

    {% for indicator in indicators %}
    select
        org_code,
        survey_year,
        ethnic_category,
        '{{ indicator.metric_id }}' as metric_id,
        answering_{{ loop.index }} as respondents_answering,
        counted_{{ loop.index }} as respondents_counted
    from category_counts
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from answer_counts
