{#-
    Concerns disclosure control (metrics.md, "Disclosure control"), primary rule. Below
    national level a count of cases, exclusions or assessments from
    var('concerns_suppression_min') to var('concerns_suppression_max') (1-7) is suppressed,
    and any other is rounded to the nearest var('concerns_rounding_base') (5). National
    counts are exact. Practitioner population counts are never controlled.
-#}

{#- True when `count` is in the suppressed range; null when `count` is null. -#}
{% macro concerns_count_is_suppressed(count) -%}
    ({{ count }} between {{ var('concerns_suppression_min') }} and {{ var('concerns_suppression_max') }})
{%- endmacro %}


{#-
    `count` rounded to the nearest var('concerns_rounding_base'), in integer arithmetic.
    A half-way count (possible only with an even base) rounds up: base 10 makes 15 into 20.
    With base 5 no count is half-way: 12 -> 10, 13 -> 15, 23 -> 25, 8 -> 10, 0 -> 0.
-#}
{% macro concerns_rounded_count(count) -%}
    {%- set base = var('concerns_rounding_base') -%}
    ((({{ count }})::bigint + {{ base }} // 2) // {{ base }} * {{ base }})
{%- endmacro %}


{#-
    The note on a figure withheld because a count behind it is suppressed. It is the same
    for primary and (later) secondary suppression, so that it never says which, nor what
    the hidden count was.
-#}
{% macro concerns_disclosure_note() -%}
    'Suppressed (disclosure control): a count behind this figure is withheld, because it is small or because it would reveal a small count.'
{%- endmacro %}
