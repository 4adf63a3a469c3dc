-- wres3_rl_disciplinary_2yr (metrics.md, WRES): wres3_rl_disciplinary on entries into the
-- formal disciplinary process and workforce headcounts summed over reporting years Y-1 and
-- Y, for every trust, region and England. Only trusts with valid returns for both years
-- count (int_wres__pooled_counts_2yr); the rows of a year that cannot have the figure (the
-- first year, a trust without both returns, a region without such a trust) are null with a
-- note. a / n1 = BME (or broad group) entered / headcount; c / n2 = White entered /
-- headcount. Above the equity band is adverse to the minority group.
with

pooled_counts_2yr as (

    select *, 'all' as breakdown
    from {{ ref('int_wres__pooled_counts_2yr') }}

),

wres3_2yr as (

    {{ relative_likelihood_rows(
        counts='pooled_counts_2yr',
        metric_id='wres3_rl_disciplinary_2yr',
        numerator='entered_formal_disciplinary',
        denominator='headcount',
        comparisons=ethnic_comparisons('minority'),
        numerator_label='staff entering the formal disciplinary process',
        denominator_label='staff in the workforce'
    ) }}

)

select * from wres3_2yr
