{#-
    The equity_metrics rows of one relative-likelihood metric family.

    `counts` names a relation or CTE with one row per geography_level, geography_code,
    reporting_year, breakdown and group_name, holding the `numerator` and `denominator`
    count columns, plus trusts_contributing, trusts_expected (null on trust rows) and
    counts_note (why the counts are null, e.g. no valid return; else null).

    `comparisons` lists (interest, reference) group pairs, e.g. [('White', 'BME')]: the
    rate of `interest` is on top. The labels are plain words used in notes:
    numerator_label "applicants appointed", denominator_label "applicants shortlisted".

    Value, Katz CI, band, significant and note follow metrics.md, Conventions and Edge
    cases. Nothing here is suppressed: disclosure control, where it applies, comes first in
    `counts`.
-#}
{% macro relative_likelihood_rows(counts, metric_id, numerator, denominator, comparisons, numerator_label, denominator_label) %}

    with

    comparison_pairs as (

        {% for interest_group, reference_group in comparisons %}
        select
            interest.geography_level,
            interest.geography_code,
            interest.reporting_year,
            interest.breakdown,
            '{{ interest_group }}' as interest_group,
            '{{ reference_group }}' as reference_group,
            interest.{{ numerator }} as numerator_a,
            interest.{{ denominator }} as denominator_a,
            reference.{{ numerator }} as numerator_b,
            reference.{{ denominator }} as denominator_b,
            interest.trusts_contributing,
            interest.trusts_expected,
            interest.counts_note
        from {{ counts }} as interest
        inner join {{ counts }} as reference
            on interest.geography_level = reference.geography_level
            and interest.geography_code = reference.geography_code
            and interest.reporting_year = reference.reporting_year
            and interest.breakdown = reference.breakdown
        where interest.group_name = '{{ interest_group }}'
            and reference.group_name = '{{ reference_group }}'
        {% if not loop.last %}union all{% endif %}
        {% endfor %}

    ),

    measured as (

        select
            *,
            {{ relative_likelihood('numerator_a', 'denominator_a', 'numerator_b', 'denominator_b') }}
                as value,
            {{ katz_log_ci('numerator_a', 'denominator_a', 'numerator_b', 'denominator_b', 'lower') }}
                as ci_lower,
            {{ katz_log_ci('numerator_a', 'denominator_a', 'numerator_b', 'denominator_b', 'upper') }}
                as ci_upper
        from comparison_pairs

    ),

    metric_rows as (

        select
            '{{ metric_id }}'::varchar as metric_id,
            reporting_year::integer as reporting_year,
            geography_level::varchar as geography_level,
            geography_code::varchar as geography_code,
            breakdown::varchar as breakdown,
            null::varchar as "group",
            (interest_group || ' vs ' || reference_group)::varchar as comparison,
            value::double as value,
            ci_lower::double as ci_lower,
            ci_upper::double as ci_upper,
            numerator_a::bigint as numerator_a,
            denominator_a::bigint as denominator_a,
            numerator_b::bigint as numerator_b,
            denominator_b::bigint as denominator_b,
            ({{ equity_band('value') }})::varchar as equity_band,
            ({{ is_significant('ci_lower', 'ci_upper') }})::boolean as significant,
            false as suppressed,
            coalesce(
                counts_note,
                {{ relative_likelihood_note(
                    'numerator_a', 'denominator_a', 'numerator_b', 'denominator_b',
                    'interest_group', 'reference_group', numerator_label, denominator_label
                ) }}
            )::varchar as note,
            trusts_contributing::bigint as trusts_contributing,
            trusts_expected::bigint as trusts_expected,
            '{{ var("method_version") }}'::varchar as method_version
        from measured

    )

    select {{ equity_metrics_columns() }} from metric_rows

{% endmacro %}
