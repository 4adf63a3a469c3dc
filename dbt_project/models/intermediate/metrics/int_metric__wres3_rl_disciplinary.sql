-- wres3_rl_disciplinary (metrics.md, WRES): relative likelihood of BME staff entering the
-- formal disciplinary process compared with White staff, for every trust, region and
-- England. a / n1 = BME entered / BME headcount; c / n2 = White entered / White headcount,
-- headcount being the whole workforce of the group (all staff groups and bands).
-- Also each BME broad group against White (Asian, Black, Mixed, Other vs White; macro
-- ethnic_comparisons). Above the equity band is adverse to the minority staff.
with

pooled_counts as (

    select *, 'all' as breakdown
    from {{ ref('int_wres__pooled_counts') }}

),

wres3 as (

    {{ relative_likelihood_rows(
        counts='pooled_counts',
        metric_id='wres3_rl_disciplinary',
        numerator='entered_formal_disciplinary',
        denominator='headcount',
        comparisons=ethnic_comparisons('minority'),
        numerator_label='staff entering the formal disciplinary process',
        denominator_label='staff in the workforce'
    ) }}

)

select * from wres3
