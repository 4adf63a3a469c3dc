{#-
    Equity band of a relative likelihood (metrics.md, Conventions): `within` when
    lower <= RL <= upper (vars equity_band_lower, equity_band_upper), `adverse` above the
    band, `favourable` below it, null when the RL is null. Every RL in the spec is oriented
    so that above the band is adverse to the minority group (or to IMGs).
-#}
{% macro equity_band(value) -%}
    case
        when {{ value }} > {{ var('equity_band_upper') }} then 'adverse'
        when {{ value }} < {{ var('equity_band_lower') }} then 'favourable'
        when {{ value }} is not null then 'within'
    end
{%- endmacro %}


{#-
    `significant` for an RL: the confidence interval excludes 1.00. Null wherever the
    interval is null (for example when the group of interest has a zero count).
-#}
{% macro is_significant(ci_lower, ci_upper) -%}
    case
        when {{ ci_lower }} is not null and {{ ci_upper }} is not null
            then {{ ci_lower }} > 1.0 or {{ ci_upper }} < 1.0
    end
{%- endmacro %}
