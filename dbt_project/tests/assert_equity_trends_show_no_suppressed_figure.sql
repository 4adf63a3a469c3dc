-- Disclosure control reaches equity_trends: no trend row shows a value where equity_metrics
-- suppressed the figure of the same key. For a successor, whose trend pools its lineage,
-- the lineage's figure is withheld wherever a trust it pools is suppressed
-- (int_trends__series). Returns every trend row that shows a suppressed figure.
with

suppressed as (

    select metric_id, reporting_year, geography_level, geography_code, breakdown, "group", comparison
    from {{ ref('fct_equity_metrics') }}
    where suppressed

),

trends as (

    select * from {{ ref('fct_equity_trends') }}

)

select trends.*
from trends
inner join suppressed
    on trends.metric_id = suppressed.metric_id
    and trends.reporting_year = suppressed.reporting_year
    and trends.geography_level = suppressed.geography_level
    and trends.geography_code = suppressed.geography_code
    and trends.breakdown = suppressed.breakdown
    and trends."group" is not distinct from suppressed."group"
    and trends.comparison is not distinct from suppressed.comparison
where trends.value is not null
