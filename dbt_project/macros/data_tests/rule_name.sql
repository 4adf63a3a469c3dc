{#-
    The name dbt gives a generic test (dbt-core's synthesize_generic_test_names, the full
    name): <test>_<model>_<arguments>, the arguments in the order of their names (the column
    first), each value or list item with every run of other characters than letters, digits
    and _ made one _, joined by __. A ref is named as it is written, ref('x') -> ref_x_.
    exports/data_test_rules.py names rules the same way (tests/test_dbt_project.py shows the
    names in every rules test's SQL are the ones it lists).
-#}
{% macro rule_name(test, model_name, column, arguments) %}
{%- set parts = [] -%}
{%- if column -%}{%- do parts.append(column) -%}{%- endif -%}
{%- for key in arguments | sort -%}
    {%- set value = arguments[key] -%}
    {%- if value.identifier is defined or value is string or value is not iterable -%}
        {%- set items = [value] -%}
    {%- elif value is mapping -%}
        {%- set items = value.values() | list -%}
    {%- else -%}
        {%- set items = value -%}
    {%- endif -%}
    {%- for item in items -%}
        {%- do parts.append("ref('" ~ item.identifier ~ "')" if item.identifier is defined else item | string) -%}
    {%- endfor -%}
{%- endfor -%}
{%- set cleaned = [] -%}
{%- for part in parts -%}
    {%- do cleaned.append(modules.re.sub('[^0-9a-zA-Z_]+', '_', part)) -%}
{%- endfor -%}
{{- return(test ~ '_' ~ model_name ~ '_' ~ cleaned | join('__')) -}}
{% endmacro %}
