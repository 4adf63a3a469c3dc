{#-
    Primary-key test for a composite key: fails with one row per key value that occurs more
    than once. Nulls compare equal (group by), so a nullable key column such as `group` on
    equity_metrics is still checked. The project writes it as a rule of a model's `rules`
    test (rules.sql), which runs this SQL.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{%- set columns = [] -%}
{%- for column in combination_of_columns -%}
    {%- do columns.append(adapter.quote(column)) -%}
{%- endfor %}

select
    {{ columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
