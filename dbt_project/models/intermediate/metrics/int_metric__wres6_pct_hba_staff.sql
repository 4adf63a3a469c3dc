-- wres6_pct_hba_staff (metrics.md, WRES): percentage of respondents harassed, bullied or
-- abused by managers or by other colleagues at least once (q_hba_manager >= 2 or
-- q_hba_colleagues >= 2), among those who answered at least one of the two items.
-- For every trust, region and England, from the staff survey of year Y - 1; one row per
-- group (White, BME and the broad groups; Unknown is left out). The respondents behind it
-- are defined in the macro staff_survey_indicators; the counts are pooled over trusts and
-- disclosure-controlled (minimum base) in int_staff_survey__controlled_counts.
-- Adverse: the BME percentage above the White percentage.
with

controlled_counts as (

    select *, 'all' as breakdown
    from {{ ref('int_staff_survey__controlled_counts') }}
    where metric_id = 'wres6_pct_hba_staff'

),

wres6 as (

    {{ wilson_percentage_rows(
        counts='controlled_counts',
        metric_id='wres6_pct_hba_staff',
        numerator='respondents_counted',
        denominator='respondents_answering',
        groups=['White', 'BME', 'Asian', 'Black', 'Mixed', 'Other'],
        denominator_label='respondents answered either question'
    ) }}

)

select * from wres6
