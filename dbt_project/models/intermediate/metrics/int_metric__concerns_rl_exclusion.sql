-- concerns_rl_exclusion (metrics.md, Concerns): relative likelihood of a case involving a
-- formal exclusion or suspension, for regions and England, breakdown `all`: BME vs White,
-- each broad group vs White, and IMG vs UK graduates. a / n1 = excluded cases / cases of
-- the group of interest; c / n2 = the same for the reference group. Above the equity band
-- is adverse to the minority group (or to IMGs). Below national level the counts are the
-- published (rounded) ones; the RL is suppressed when any of its four counts is.
with

published_counts as (

    select
        geography_level,
        geography_code,
        reporting_year,
        breakdown,
        group_name,
        exclusions,
        cases,
        null::bigint as trusts_contributing,
        null::bigint as trusts_expected,
        cases_note as counts_note,
        case when cases_suppressed or exclusions_suppressed
            then {{ concerns_disclosure_note() }}
        end as suppression_note
    from {{ ref('int_concerns__published_counts') }}
    where breakdown = 'all'
        and classification in ('ethnicity', 'qualification')
        and group_name <> 'Unknown'

),

rl_exclusion as (

    {{ relative_likelihood_rows(
        counts='published_counts',
        metric_id='concerns_rl_exclusion',
        numerator='exclusions',
        denominator='cases',
        comparisons=[('BME', 'White'), ('Asian', 'White'), ('Black', 'White'), ('Mixed', 'White'), ('Other', 'White'), ('IMG', 'UK')],
        numerator_label='cases with an exclusion',
        denominator_label='cases opened',
        suppression_note='suppression_note'
    ) }}

)

select * from rl_exclusion
