-- wres7_pct_equal_opps (metrics.md, WRES): percentage of respondents answering Yes (1) to
-- believing the organisation acts fairly on career progression or promotion, among those
-- who answered; Don't know (3) stays in the denominator.
-- For every trust, region and England, from the staff survey of year Y - 1; one row per
-- group (White, BME and the broad groups; Unknown is left out). The respondents behind it
-- are defined in the macro staff_survey_indicators; the counts are pooled over trusts and
-- disclosure-controlled (minimum base) in int_staff_survey__controlled_counts.
-- Adverse: the BME percentage below the White percentage.
with

controlled_counts as (

    select *, 'all' as breakdown
    from {{ ref('int_staff_survey__controlled_counts') }}
    where metric_id = 'wres7_pct_equal_opps'

),

wres7 as (

    {{ wilson_percentage_rows(
        counts='controlled_counts',
        metric_id='wres7_pct_equal_opps',
        numerator='respondents_counted',
        denominator='respondents_answering',
        groups=['White', 'BME', 'Asian', 'Black', 'Mixed', 'Other'],
        denominator_label='respondents answered the question'
    ) }}

)

select * from wres7
