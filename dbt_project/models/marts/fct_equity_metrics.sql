-- The published long table of equity metrics: one row per figure. Each metric family is
-- computed in its own model, models/intermediate/metrics/int_metric__<metric_id>.sql;
-- this model only stacks them. To add a family, write its model and list it here.
{%- set metric_models = [
    'int_metric__wres1_pct_headcount',
    'int_metric__wres2_rl_appointed',
    'int_metric__wres3_rl_disciplinary',
    'int_metric__wres3_rl_disciplinary_2yr',
    'int_metric__wres4_rl_training',
    'int_metric__wres5_pct_hba_public',
    'int_metric__wres6_pct_hba_staff',
    'int_metric__wres7_pct_equal_opps',
    'int_metric__wres8_pct_discrimination',
    'int_metric__wres9_board_voting_gap_pp',
    'int_metric__wres9_board_exec_gap_pp',
    'int_metric__concerns_rate_per_1000',
    'int_metric__concerns_rl_referral',
    'int_metric__concerns_rl_exclusion',
    'int_metric__concerns_pct_assessed_expected',
    'int_metric__concerns_median_exclusion_days',
] %}

with

equity_metrics as (

    {% for metric_model in metric_models %}
    select {{ equity_metrics_columns() }} from {{ ref(metric_model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from equity_metrics
