{#-
    The equity distance d of a published value (metrics.md, Trends): how far a figure is
    from equity, so that smaller is always better.
    - relative likelihoods: d = |ln RL| (an RL of 0 has no finite distance: null);
    - board gaps (wres9): d = |gap|;
    - survey percentages: d = value for wres5, wres6 and wres8, and -value for wres7
      (believing in equal opportunities is the good direction);
    - descriptive metrics (wres1 shares, concerns rates, % assessed, median days): null.
-#}
{% macro equity_distance(metric_id, value) %}
    case
        when {{ metric_id }} in ({{ equity_distance_metric_ids('relative_likelihood') }})
            and {{ value }} > 0
            then abs(ln({{ value }}))
        when {{ metric_id }} in ({{ equity_distance_metric_ids('board_gap') }})
            then abs({{ value }})
        when {{ metric_id }} in ({{ equity_distance_metric_ids('survey_adverse') }})
            then {{ value }}
        when {{ metric_id }} in ({{ equity_distance_metric_ids('survey_favourable') }})
            then -{{ value }}
    end
{% endmacro %}

{#- The metric_ids of each kind of equity distance, as a SQL list. Descriptive metrics are in none. -#}
{% macro equity_distance_metric_ids(kind) %}
    {%- set kinds = {
        'relative_likelihood': [
            'wres2_rl_appointed', 'wres3_rl_disciplinary', 'wres3_rl_disciplinary_2yr',
            'wres4_rl_training', 'concerns_rl_referral', 'concerns_rl_exclusion'],
        'board_gap': ['wres9_board_voting_gap_pp', 'wres9_board_exec_gap_pp'],
        'survey_adverse': ['wres5_pct_hba_public', 'wres6_pct_hba_staff', 'wres8_pct_discrimination'],
        'survey_favourable': ['wres7_pct_equal_opps'],
    } -%}
    {%- for metric_id in kinds[kind] -%}
        '{{ metric_id }}'{% if not loop.last %}, {% endif %}
    {%- endfor -%}
{% endmacro %}
