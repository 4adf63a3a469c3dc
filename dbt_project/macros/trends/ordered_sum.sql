{#-
    The sum of a few SQL terms in the order given, skipping nulls, null when all are null:
    what `sum(term order by ...)` gives, to the last bit (DuckDB's sum of doubles starts at
    0 and adds in order), as an expression on one row instead of an ordered aggregate.
-#}
{% macro ordered_sum(terms) -%}
    case when {% for term in terms %}({{ term }}) is not null{% if not loop.last %} or {% endif %}{% endfor %}
        then {% for term in terms %}({% endfor %}0::double{% for term in terms %} + coalesce({{ term }}, 0::double)){% endfor %}
    end
{%- endmacro %}
