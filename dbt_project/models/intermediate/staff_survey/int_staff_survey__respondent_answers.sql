-- Each respondent's part in each staff survey indicator (metrics.md, WRES 5-8): whether they
-- are in its denominator (`answered`) and in its numerator (`counted`). The conditions are
-- those of the macro staff_survey_indicators; an empty item means not answered. Nothing is
-- attributed to a trust here: see int_staff_survey__trust_group_counts.
with

responses as (

    select * from {{ ref('stg_staff_survey__responses') }}

),

answers as (

    {% for indicator in staff_survey_indicators() %}
    select
        survey_year,
        respondent_id,
        org_code,
        ethnic_category,
        '{{ indicator.metric_id }}' as metric_id,
        coalesce(({{ indicator.answered }}), false) as answered,
        coalesce(({{ indicator.answered }}) and ({{ indicator.counted }}), false) as counted
    from responses
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from answers
