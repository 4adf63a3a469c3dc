{#-
    95% confidence intervals (metrics.md, Conventions), z = var('ci_z').
    `bound` is 'lower' or 'upper'.
-#}

{#-
    Katz log interval for a relative likelihood:
    exp(ln RL ± z·sqrt(1/a − 1/n1 + 1/c − 1/n2)). Null when a or c is 0 (or a denominator is),
    and when the variance term under the root is negative, which happens only when a count
    exceeds its denominator (a > n1 or c > n2: possible for concerns cases against a
    register count drawn at a different time, never for a proportion), instead of NaN.
-#}
{% macro katz_log_ci(a, n1, c, n2, bound) -%}
    {%- set sign = ci_bound_sign(bound) -%}
    case
        when {{ a }} > 0 and {{ c }} > 0 and {{ n1 }} > 0 and {{ n2 }} > 0
            and 1.0 / {{ a }}::double - 1.0 / {{ n1 }}::double
                + 1.0 / {{ c }}::double - 1.0 / {{ n2 }}::double >= 0
            then exp(
                ln(({{ a }}::double * {{ n2 }}) / ({{ c }}::double * {{ n1 }}))
                {{ sign }} {{ var('ci_z') }} * sqrt(
                    1.0 / {{ a }}::double - 1.0 / {{ n1 }}::double
                    + 1.0 / {{ c }}::double - 1.0 / {{ n2 }}::double
                )
            )
    end
{%- endmacro %}


{#-
    Wilson score interval for a percentage x / n, on the 0-100 scale:
    (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n) × 100. Null when n is 0 or null.
    At x = 0 the lower limit is exactly 0, and at x = n the upper limit exactly 100 (the
    closed form reduces to these); they are set directly, because floating-point rounding
    can leave the lower limit a hair above a value of 0 (e.g. 8.6e-17 for 0 / 410). The
    limits are also clamped to [0, 100].
-#}
{% macro wilson_interval(x, n, bound) -%}
    {%- set sign = ci_bound_sign(bound) -%}
    {%- set z = var('ci_z') -%}
    {%- set p = '(' ~ x ~ '::double / ' ~ n ~ '::double)' -%}
    case
        when {{ n }} > 0 and {{ x }} = {{ '0' if bound == 'lower' else n }}
            then {{ '0.0' if bound == 'lower' else '100.0' }}
        when {{ n }} > 0
            then {{ 'greatest' if bound == 'lower' else 'least' }}(
                {{ '0.0' if bound == 'lower' else '100.0' }},
                100.0 * (
                    {{ p }} + {{ z }} * {{ z }} / (2.0 * {{ n }})
                    {{ sign }} {{ z }} * sqrt(
                        {{ p }} * (1.0 - {{ p }}) / {{ n }}
                        + {{ z }} * {{ z }} / (4.0 * {{ n }}::double * {{ n }})
                    )
                ) / (1.0 + {{ z }} * {{ z }} / {{ n }})
            )
    end
{%- endmacro %}


{% macro ci_bound_sign(bound) -%}
    {%- if bound == 'lower' -%} -
    {%- elif bound == 'upper' -%} +
    {%- else -%}
        {{ exceptions.raise_compiler_error("bound must be 'lower' or 'upper', not '" ~ bound ~ "'") }}
    {%- endif -%}
{%- endmacro %}
