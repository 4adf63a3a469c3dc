-- wres5_pct_hba_public (metrics.md, WRES): percentage of respondents harassed, bullied or
-- abused by patients, service users, relatives or the public at least once
-- (q_hba_public >= 2), among those who answered q_hba_public.
-- For every trust, region and England, from the staff survey of year Y - 1; one row per
-- group (White, BME and the broad groups; Unknown is left out). The respondents behind it
-- are defined in the macro staff_survey_indicators; the counts are pooled over trusts and
-- disclosure-controlled (minimum base) in int_staff_survey__controlled_counts.
-- Adverse: the BME percentage above the White percentage.
with

controlled_counts as (

    select *, 'all' as breakdown
    from {{ ref('int_staff_survey__controlled_counts') }}
    where metric_id = 'wres5_pct_hba_public'

),

wres5 as (

    {{ wilson_percentage_rows(
        counts='controlled_counts',
        metric_id='wres5_pct_hba_public',
        numerator='respondents_counted',
        denominator='respondents_answering',
        groups=['White', 'BME', 'Asian', 'Black', 'Mixed', 'Other'],
        denominator_label='respondents answered the question'
    ) }}

)

select * from wres5
