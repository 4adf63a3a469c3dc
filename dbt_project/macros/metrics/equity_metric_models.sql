{#-
    The metric family models, models/intermediate/metrics/int_metric__<metric_id>.sql, each
    giving rows of equity_metrics. int_equity_metrics__all_levels stacks them once;
    fct_equity_metrics publishes the trust, region and national rows and equity_trends uses
    the successor_lineage rows. To add a family, write its model and list it here.
-#}
{% macro equity_metric_models() %}
    {{ return([
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
    ]) }}
{% endmacro %}
