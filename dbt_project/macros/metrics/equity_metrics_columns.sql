{#-
    The columns of the published table equity_metrics, in contract order (metrics.md,
    "Published table equity_metrics"). Every metric family model selects exactly these, with
    the contract's types, so that fct_equity_metrics can union them.
-#}
{% macro equity_metrics_columns() -%}
    {%- set columns = [
        'metric_id', 'reporting_year', 'geography_level', 'geography_code', 'breakdown',
        'group', 'comparison', 'value', 'ci_lower', 'ci_upper',
        'numerator_a', 'denominator_a', 'numerator_b', 'denominator_b',
        'equity_band', 'significant', 'suppressed', 'note',
        'trusts_contributing', 'trusts_expected', 'method_version',
    ] -%}
    {%- for column in columns -%}
        {{ adapter.quote(column) }}{{ ',' if not loop.last }}
    {% endfor -%}
{%- endmacro %}
