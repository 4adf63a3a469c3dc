-- equity_trends has exactly one row per equity_metrics key (metrics.md, Trends): no key is
-- left out and none is added (a successor's lineage rows never become keys of their own).
-- On every row that is not a successor's lineage row, value is equity_metrics' value.
-- Returns the keys that break either rule.
{%- set key_columns = ['metric_id', 'reporting_year', 'geography_level', 'geography_code', 'breakdown', '"group"', 'comparison'] %}
with

metrics as (

    select {{ key_columns | join(', ') }}, value from {{ ref('fct_equity_metrics') }}

),

trends as (

    select {{ key_columns | join(', ') }}, value from {{ ref('fct_equity_trends') }}

),

lineage_keys as (

    select distinct metric_id, successor_code as geography_code, breakdown, "group", comparison
    from {{ ref('int_trends__lineage_metrics') }}

)

select
    {% for column in key_columns %}coalesce(metrics.{{ column }}, trends.{{ column }}) as {{ column }},
    {% endfor -%}
    metrics.value as metrics_value,
    trends.value as trends_value
from metrics
full outer join trends
    on {% for column in key_columns %}metrics.{{ column }} is not distinct from trends.{{ column }}
    {%- if not loop.last %} and {% endif %}{% endfor %}
left join lineage_keys
    on trends.geography_level = 'trust'
    and trends.metric_id = lineage_keys.metric_id
    and trends.geography_code = lineage_keys.geography_code
    and trends.breakdown = lineage_keys.breakdown
    and trends."group" is not distinct from lineage_keys."group"
    and trends.comparison is not distinct from lineage_keys.comparison
where metrics.metric_id is null
    or trends.metric_id is null
    or (lineage_keys.metric_id is null and metrics.value is distinct from trends.value)
