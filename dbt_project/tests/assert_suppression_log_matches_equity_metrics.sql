-- suppression_log and equity_metrics agree (metrics.md, Disclosure control: each
-- suppression is logged with its rule): every suppressed row of equity_metrics has at least
-- one row in the log, and every row of the log is a suppressed row of equity_metrics.
-- Returns the keys that break either rule.
{%- set key_columns = ['metric_id', 'geography_level', 'geography_code', 'breakdown', '"group"', 'comparison'] %}
with

suppressed_rows as (

    select reporting_year, {{ key_columns | join(', ') }}
    from {{ ref('fct_equity_metrics') }}
    where suppressed

),

logged_rows as (

    select distinct row_reporting_year as reporting_year, {{ key_columns | join(', ') }}
    from {{ ref('fct_suppression_log') }}
    where table_name = 'equity_metrics'

)

select
    coalesce(suppressed_rows.reporting_year, logged_rows.reporting_year) as reporting_year,
    {% for column in key_columns %}coalesce(suppressed_rows.{{ column }}, logged_rows.{{ column }}) as {{ column }},
    {% endfor -%}
    suppressed_rows.metric_id is not null as is_suppressed_in_equity_metrics,
    logged_rows.metric_id is not null as is_in_the_log
from suppressed_rows
full outer join logged_rows
    on suppressed_rows.reporting_year = logged_rows.reporting_year
    {% for column in key_columns %}and suppressed_rows.{{ column }} is not distinct from logged_rows.{{ column }}
    {% endfor %}
where suppressed_rows.metric_id is null or logged_rows.metric_id is null
