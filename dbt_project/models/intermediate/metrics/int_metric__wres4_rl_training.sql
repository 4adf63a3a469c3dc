-- wres4_rl_training (metrics.md, WRES): relative likelihood of White staff accessing
-- non-mandatory training or CPD compared with BME staff, for every trust, region and
-- England. a / n1 = White accessed / White headcount; c / n2 = BME accessed / BME headcount,
-- headcount being the whole workforce of the group (all staff groups and bands).
-- Also White against each BME broad group (White vs Asian, Black, Mixed, Other; macro
-- ethnic_comparisons). Above the equity band is adverse to the minority staff.
with

pooled_counts as (

    select *, 'all' as breakdown
    from {{ ref('int_wres__pooled_counts') }}

),

wres4 as (

    {{ relative_likelihood_rows(
        counts='pooled_counts',
        metric_id='wres4_rl_training',
        numerator='accessed_non_mandatory_training',
        denominator='headcount',
        comparisons=ethnic_comparisons('White'),
        numerator_label='staff accessing non-mandatory training',
        denominator_label='staff in the workforce'
    ) }}

)

select * from wres4
