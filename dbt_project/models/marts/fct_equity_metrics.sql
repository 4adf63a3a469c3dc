-- The published long table of equity metrics: one row per figure. Each metric family is
-- computed in its own model, models/intermediate/metrics/int_metric__<metric_id>.sql;
-- this model only stacks them. To add a family, write its model and list it here.
{%- set metric_models = [
    'int_metric__wres2_rl_appointed',
    'int_metric__wres3_rl_disciplinary',
    'int_metric__wres4_rl_training',
] %}

with

equity_metrics as (

    {% for metric_model in metric_models %}
    select {{ equity_metrics_columns() }} from {{ ref(metric_model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from equity_metrics
