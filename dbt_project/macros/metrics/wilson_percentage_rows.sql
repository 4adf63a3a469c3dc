{#-
    The equity_metrics rows of one percentage metric family with a Wilson score interval
    (metrics.md, Conventions), e.g. the staff survey indicators wres5-8.

    `counts` names a relation or CTE with one row per geography_level, geography_code,
    reporting_year, breakdown and group_name, holding the `numerator` and `denominator`
    count columns, plus:
    - trusts_contributing, trusts_expected (null on trust rows);
    - counts_note: why the counts are null (e.g. no survey file for the year), else null;
    - suppressed (boolean) and suppression_note: the disclosure-control decision, taken
      before this macro (e.g. int_staff_survey__controlled_counts).

    `groups` lists the group_name values published, one row each; `group` = the group and
    `comparison` is null. `denominator_label` is plain words for the denominator, used in
    the note of an undefined value: "respondents answered the question".

    - suppressed: value, CI and all four counts null, suppressed = true, and
      note = suppression_note;
    - counts null: value and CI null, note = counts_note;
    - denominator 0: value and CI null (undefined), counts 0 shown, note says why;
    - otherwise value = 100 · numerator / denominator (0-100, unrounded), Wilson 95% CI.
    numerator_b, denominator_b, equity_band and significant are null on every row.
-#}
{% macro wilson_percentage_rows(counts, metric_id, numerator, denominator, groups, denominator_label) %}

    with

    published_groups as (

        select *
        from {{ counts }}
        where group_name in (
            {%- for group in groups %}'{{ group }}'{{ ', ' if not loop.last }}{% endfor -%}
        )

    ),

    measured as (

        select
            *,
            coalesce(suppressed, false) as is_suppressed,
            case when {{ denominator }} > 0
                then 100.0 * {{ numerator }}::double / {{ denominator }}::double
            end as percentage,
            {{ wilson_interval(numerator, denominator, 'lower') }} as wilson_lower,
            {{ wilson_interval(numerator, denominator, 'upper') }} as wilson_upper
        from published_groups

    ),

    metric_rows as (

        select
            '{{ metric_id }}'::varchar as metric_id,
            reporting_year::integer as reporting_year,
            geography_level::varchar as geography_level,
            geography_code::varchar as geography_code,
            breakdown::varchar as breakdown,
            group_name::varchar as "group",
            null::varchar as comparison,
            case when not is_suppressed then percentage end::double as value,
            case when not is_suppressed then wilson_lower end::double as ci_lower,
            case when not is_suppressed then wilson_upper end::double as ci_upper,
            case when not is_suppressed then {{ numerator }} end::bigint as numerator_a,
            case when not is_suppressed then {{ denominator }} end::bigint as denominator_a,
            null::bigint as numerator_b,
            null::bigint as denominator_b,
            null::varchar as equity_band,
            null::boolean as significant,
            is_suppressed as suppressed,
            case
                when is_suppressed then suppression_note
                when counts_note is not null then counts_note
                when {{ denominator }} = 0
                    then 'Undefined: no ' || group_name
                        || ' {{ denominator_label }}, so the percentage is undefined.'
            end::varchar as note,
            trusts_contributing::bigint as trusts_contributing,
            trusts_expected::bigint as trusts_expected,
            '{{ var("method_version") }}'::varchar as method_version
        from measured

    )

    select {{ equity_metrics_columns() }} from metric_rows

{% endmacro %}
