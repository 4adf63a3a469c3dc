-- concerns_rl_referral (metrics.md, Concerns): relative likelihood of a practitioner having
-- a concerns case opened, for regions and England, breakdown `all`: BME vs White, each
-- broad group vs White, and IMG vs UK graduates. a / n1 = cases / practitioners of the
-- group of interest; c / n2 = the same for the reference group (practitioners from the
-- population file). Above the equity band is adverse to the minority group (or to IMGs).
-- Below national level the case counts are the published (rounded) ones; the RL is
-- suppressed when either group's case count is.
with

published_counts as (

    select
        geography_level,
        geography_code,
        reporting_year,
        breakdown,
        group_name,
        cases,
        practitioners,
        null::bigint as trusts_contributing,
        null::bigint as trusts_expected,
        coalesce(cases_note, population_note) as counts_note,
        case when cases_suppressed then {{ concerns_disclosure_note() }} end as suppression_note
    from {{ ref('int_concerns__published_counts') }}
    where breakdown = 'all'
        and classification in ('ethnicity', 'qualification')
        and group_name <> 'Unknown'

),

rl_referral as (

    {{ relative_likelihood_rows(
        counts='published_counts',
        metric_id='concerns_rl_referral',
        numerator='cases',
        denominator='practitioners',
        comparisons=[('BME', 'White'), ('Asian', 'White'), ('Black', 'White'), ('Mixed', 'White'), ('Other', 'White'), ('IMG', 'UK')],
        numerator_label='cases opened',
        denominator_label='practitioners in the population file',
        suppression_note='suppression_note'
    ) }}

),

-- The register count and the case extract are drawn at different times, so a group can
-- have more cases than practitioners; Katz's variance term can then be negative and the
-- interval is not defined (katz_log_ci gives null). Say so.
noted as (

    select * replace (
        coalesce(
            note,
            case when value is not null and ci_lower is null and numerator_a > 0
                then 'The confidence interval is not defined: a group has more cases than practitioners in the population file (the two are drawn at different times).'
            end
        )::varchar as note
    )
    from rl_referral

)

select {{ equity_metrics_columns() }} from noted
