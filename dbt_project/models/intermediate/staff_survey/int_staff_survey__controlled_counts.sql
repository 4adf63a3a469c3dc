-- Disclosure control of the staff survey counts (metrics.md, Disclosure control): the
-- pooled counts with, for each row, whether its figure is withheld and by which rule.
-- Primary rule, at every level (trust, region and England): a group with fewer than
-- var('survey_minimum_base') respondents answering is suppressed. A group with no respondent
-- answering is not suppressed: its percentage is undefined and nothing is withheld.
-- Secondary suppression (BME = Asian + Black + Mixed + Other; All = White + BME + Unknown)
-- belongs here too, on top of the primary rule: the four metric models read this model, so
-- they inherit every rule applied in it. Only the primary rule is applied so far.
-- The counts themselves stay in this model; the metric rows hide them when suppressed.
with

pooled_counts as (

    select * from {{ ref('int_staff_survey__pooled_counts') }}

),

primary_suppression as (

    select
        *,
        coalesce(
            respondents_answering > 0
            and respondents_answering < {{ var('survey_minimum_base') }},
            false
        ) as below_minimum_base
    from pooled_counts

)

select
    geography_level,
    geography_code,
    reporting_year,
    survey_year,
    metric_id,
    group_name,
    respondents_answering,
    respondents_counted,
    trusts_contributing,
    trusts_expected,
    counts_note,
    below_minimum_base as suppressed,
    case when below_minimum_base then 'survey_minimum_base' end as suppression_rule,
    case when below_minimum_base
        then 'Suppressed: fewer than {{ var("survey_minimum_base") }} respondents in this group'
            || ' answered (staff survey minimum base).'
    end as suppression_note
from primary_suppression
