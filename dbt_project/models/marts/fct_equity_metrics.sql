-- The published long table of equity metrics: one row per figure. Each metric family is
-- computed in its own model, models/intermediate/metrics/int_metric__<metric_id>.sql;
-- this model only stacks them. To add a family, write its model and list it in the macro
-- equity_metric_models. The families also give rows at the level `successor_lineage`
-- (a successor pooled with its predecessors), which only equity_trends uses: they are not
-- published here.
{%- set metric_models = equity_metric_models() %}

with

equity_metrics as (

    {% for metric_model in metric_models %}
    select {{ equity_metrics_columns() }} from {{ ref(metric_model) }}
    where geography_level <> 'successor_lineage'
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from equity_metrics
