{#-
    Every data rule of one model in one test (methodology decision 126). A rule is one of
    dbt's generic tests (not_null, unique, accepted_values, relationships) or this project's
    (expression_is_true, unique_combination_of_columns), run with that test's own SQL, so it
    keeps that test's meaning and failing rows. Each failing row is tagged with its rule's
    name, the row as the test returned it as JSON beside it; dbt stores them
    (store_failures: `main_dbt_test__audit.<this test's name>`, empty when it passes), so
    every failure is reported under its rule (exports/data_test_rules.py). One dbt node per
    model instead of one per rule: a node costs about 40 ms of dbt's own Python, a rule's
    SQL about 1 ms.

    rules: a list of `{<test>: {<its arguments>, column, name, where}}`, in the model's yml:
      column  the column a column test checks (always quoted);
      name    the rule's name; by default the name dbt gives that test (macro rule_name);
      where   check only the rows where this SQL is true (dbt's `where` config).
-#}
{% test rules(model, rules) %}
{{ config(store_failures=true) }}
{%- set checks = [] -%}
{%- set names = [] -%}
{%- for rule in rules -%}
    {%- if rule is not mapping or rule | length != 1 -%}
        {{ exceptions.raise_compiler_error("rules: each rule is one {<test>: {...}}, got " ~ rule) }}
    {%- endif -%}
    {%- set test = rule.keys() | first -%}
    {%- set spec = rule[test] or {} -%}
    {%- set arguments = {} -%}
    {%- for key, value in spec.items() if key not in ('name', 'where', 'column') -%}
        {%- do arguments.update({key: value}) -%}
    {%- endfor -%}
    {%- set name = spec.get('name') or rule_name(test, model.identifier, spec.get('column'), arguments) -%}
    {%- if name in names -%}
        {{ exceptions.raise_compiler_error("rules: two rules named " ~ name ~ " on " ~ model) }}
    {%- endif -%}
    {%- do names.append(name) -%}
    {%- set rows = model if not spec.get('where') else '(select * from ' ~ model ~ ' where ' ~ spec['where'] ~ ') dbt_subquery' -%}
    {%- set column = adapter.quote(spec['column']) if spec.get('column') else none -%}
    {%- if test == 'not_null' -%}
        {%- set sql = adapter.dispatch('test_not_null', 'dbt')(rows, column) -%}
    {%- elif test == 'unique' -%}
        {%- set sql = adapter.dispatch('test_unique', 'dbt')(rows, column) -%}
    {%- elif test == 'accepted_values' -%}
        {%- set sql = adapter.dispatch('test_accepted_values', 'dbt')(rows, column, arguments['values'], arguments.get('quote', true)) -%}
    {%- elif test == 'relationships' -%}
        {%- set sql = adapter.dispatch('test_relationships', 'dbt')(rows, column, arguments['to'], arguments['field']) -%}
    {%- elif test == 'unique_combination_of_columns' -%}
        {%- set sql = test_unique_combination_of_columns(rows, arguments['combination_of_columns']) -%}
    {%- elif test == 'expression_is_true' -%}
        {%- set sql = test_expression_is_true(rows, arguments['expression'], column) -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("rules: unknown test " ~ test ~ " on " ~ model) }}
    {%- endif -%}
    {%- do checks.append(
        "select '" ~ name ~ "' as rule_name, cast(to_json(failing) as varchar) as failing_row\nfrom (\n"
        ~ sql ~ "\n) failing"
    ) -%}
{%- endfor -%}
{%- if not checks -%}
    {{ exceptions.raise_compiler_error("rules: no rules on " ~ model) }}
{%- endif -%}
{{ checks | join('\nunion all\n') }}
{% endtest %}

