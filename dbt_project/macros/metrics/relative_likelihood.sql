{#-
    Relative likelihood (metrics.md, Conventions): rate of the group of interest (a / n1)
    over rate of the reference group (c / n2). Null when either denominator is 0 or null, or
    when the reference rate is 0. No continuity correction. Written as (a·n2) / (c·n1) so
    that exact ratios stay exact in floating point (30/100 over 10/50 gives 1.5, not
    1.4999999999999998).
-#}
{% macro relative_likelihood(a, n1, c, n2) -%}
    case
        when {{ n1 }} > 0 and {{ n2 }} > 0 and {{ c }} > 0
            then ({{ a }}::double * {{ n2 }}) / ({{ c }}::double * {{ n1 }})
    end
{%- endmacro %}


{#-
    Why a relative likelihood (or its interval) is not defined, or null when it is.
    `interest_group` and `reference_group` are SQL expressions naming the groups; the labels
    are plain words for the denominator ("applicants shortlisted") and numerator
    ("applicants appointed").
-#}
{% macro relative_likelihood_note(a, n1, c, n2, interest_group, reference_group, numerator_label, denominator_label) -%}
    case
        when {{ n1 }} = 0
            then 'Undefined: no ' || {{ interest_group }} || ' {{ denominator_label }}, so its rate is undefined.'
        when {{ n2 }} = 0
            then 'Undefined: no ' || {{ reference_group }} || ' {{ denominator_label }}, so its rate is undefined.'
        when {{ c }} = 0
            then 'Undefined: the reference rate is 0 (no ' || {{ reference_group }}
                || ' {{ numerator_label }}).'
        when {{ a }} = 0
            then 'The value is 0 (no ' || {{ interest_group }}
                || ' {{ numerator_label }}); its confidence interval is not defined.'
    end
{%- endmacro %}
