{#-
    The reporting year a date falls in (inputs.md, "Years"): reporting year Y runs from
    1 April Y-1 to 31 March Y, so a date from April onwards belongs to the next calendar
    year's reporting year. 2022-04-01 -> 2023; 2023-03-31 -> 2023; 2023-04-01 -> 2024.
-#}
{% macro reporting_year_of(date) -%}
    (year({{ date }}) + case when month({{ date }}) >= 4 then 1 else 0 end)::integer
{%- endmacro %}
