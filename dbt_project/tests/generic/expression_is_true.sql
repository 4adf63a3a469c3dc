{#-
    Business-rule test: fails with every row for which the boolean SQL `expression` is not
    true (false or null). Narrow the rows with the test's `where` config. It can sit on a
    model or on a column (the column is only where the rule is documented). The project
    writes it as a rule of a model's `rules` test (rules.sql), which runs this SQL.
-#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
