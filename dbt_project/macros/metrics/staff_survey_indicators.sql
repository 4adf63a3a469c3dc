{#-
    The staff survey indicators WRES 5-8 (metrics.md, WRES), each as two SQL conditions on a
    row of stg_staff_survey__responses, where a null item means "not answered":
    - `answered`: the respondent is in the denominator;
    - `counted`: the respondent is in the numerator (only ever counted when also answered).
    int_staff_survey__answer_counts applies the conditions. int_staff_survey__pooled_counts
    takes the list of metric_ids from here, so that a reporting year without a survey file
    still gets a row for every indicator. This is the one place the four definitions live.
-#}
{% macro staff_survey_indicators() %}
    {{ return([
        {
            'metric_id': 'wres5_pct_hba_public',
            'answered': 'q_hba_public is not null',
            'counted': 'q_hba_public >= 2',
        },
        {
            'metric_id': 'wres6_pct_hba_staff',
            'answered': 'q_hba_manager is not null or q_hba_colleagues is not null',
            'counted': 'q_hba_manager >= 2 or q_hba_colleagues >= 2',
        },
        {
            'metric_id': 'wres7_pct_equal_opps',
            'answered': 'q_equal_opps is not null',
            'counted': 'q_equal_opps = 1',
        },
        {
            'metric_id': 'wres8_pct_discrimination',
            'answered': 'q_discrim_mgr_colleague is not null',
            'counted': 'q_discrim_mgr_colleague = 1',
        },
    ]) }}
{% endmacro %}
