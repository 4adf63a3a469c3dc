-- wres2_rl_appointed (metrics.md, WRES): relative likelihood of White applicants being
-- appointed from shortlisting compared with BME applicants, for every trust, region and
-- England. a / n1 = White appointed / shortlisted; c / n2 = BME appointed / shortlisted.
-- Also White against each BME broad group (White vs Asian, Black, Mixed, Other; macro
-- ethnic_comparisons). Above the equity band is adverse to the minority applicants.
with

pooled_counts as (

    select *, 'all' as breakdown
    from {{ ref('int_wres__pooled_counts') }}

),

wres2 as (

    {{ relative_likelihood_rows(
        counts='pooled_counts',
        metric_id='wres2_rl_appointed',
        numerator='appointed',
        denominator='shortlisted',
        comparisons=ethnic_comparisons('White'),
        numerator_label='applicants appointed',
        denominator_label='applicants shortlisted'
    ) }}

)

select * from wres2
