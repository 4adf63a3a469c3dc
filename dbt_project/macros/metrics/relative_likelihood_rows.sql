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
    cases. Disclosure control, where it applies, comes first in `counts`: the counts there
    are the published ones. `suppression_note` (optional) names a column of `counts` that is
    non-null, holding the note to publish, when a count behind that group's rate is
    suppressed. A pair is then suppressed when either group's is non-null: suppressed =
    true, and value, CI, band, significant and all four counts null (metrics.md,
    Disclosure control). Without it, no row is suppressed.
-#}
{% macro relative_likelihood_rows(counts, metric_id, numerator, denominator, comparisons, numerator_label, denominator_label, suppression_note=none) %}

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
            {%- if suppression_note %}
            coalesce(interest.{{ suppression_note }}, reference.{{ suppression_note }})
            {%- else %}
            null::varchar
            {%- endif %} as suppression_note,
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

    -- a suppressed pair shows none of its counts, so nothing below can be computed from them
    disclosed_pairs as (

        select
            geography_level,
            geography_code,
            reporting_year,
            breakdown,
            interest_group,
            reference_group,
            suppression_note,
            case when suppression_note is null then numerator_a end as numerator_a,
            case when suppression_note is null then denominator_a end as denominator_a,
            case when suppression_note is null then numerator_b end as numerator_b,
            case when suppression_note is null then denominator_b end as denominator_b,
            trusts_contributing,
            trusts_expected,
            counts_note
        from comparison_pairs

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
        from disclosed_pairs

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
            suppression_note is not null as suppressed,
            coalesce(
                counts_note,
                suppression_note,
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
