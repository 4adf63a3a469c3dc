-- unknown_ethnicity's share of headcount is the figure wres1_pct_headcount publishes for
-- group Unknown, breakdown all (both from int_wres__pooled_counts, by different models).
-- Returns every geography and year where the counts or the share disagree.
with

wres1_unknown as (

    select reporting_year, geography_level, geography_code, value, numerator_a, denominator_a
    from {{ ref('fct_equity_metrics') }}
    where metric_id = 'wres1_pct_headcount'
        and breakdown = 'all'
        and "group" = 'Unknown'

)

select unknown_ethnicity.*, wres1_unknown.value as wres1_value
from {{ ref('fct_unknown_ethnicity') }} as unknown_ethnicity
inner join wres1_unknown
    on unknown_ethnicity.reporting_year = wres1_unknown.reporting_year
    and unknown_ethnicity.geography_level = wres1_unknown.geography_level
    and unknown_ethnicity.geography_code = wres1_unknown.geography_code
where unknown_ethnicity.headcount_unknown is distinct from wres1_unknown.numerator_a
    or unknown_ethnicity.headcount is distinct from wres1_unknown.denominator_a
    or abs(unknown_ethnicity.headcount_unknown_pct - wres1_unknown.value) > 1e-9
    or (unknown_ethnicity.headcount_unknown_pct is null) <> (wres1_unknown.value is null)
