{#-
    The equity_metrics rows of a WRES indicator 9 board gap (metrics.md, WRES):
    BME % of the board members counted in `members` (voting, or executive) minus BME % of
    the overall workforce headcount, in percentage points. Unknown is in both denominators.

    `pooled_counts` is int_wres__pooled_counts (one row per geography_level, geography_code,
    reporting_year and group_name, with `headcount`, the `members` column,
    trusts_contributing, trusts_expected and counts_note), and `group_members` is
    int_ethnic_group_members, whose `group_type` 'ethnic_group' marks White, BME and Unknown,
    whose sum is everyone. Regional and national gaps come from pooled counts, never from
    averages of trust gaps.

    The row: group `BME`, breakdown `all`, comparison null, no CI, band or significance.
    numerator_a / denominator_a = BME members / all members. numerator_b / denominator_b are
    null, as the output contract reserves them for an RL's reference group; the workforce
    share the gap is taken from is published as wres1_pct_headcount (group BME, breakdown
    all) for the same geography and year. The value is null, with a note, when there are no such members or no staff.
-#}
{% macro board_gap_rows(pooled_counts, group_members, metric_id, members, members_label) %}

    with

    counts as (

        select
            pooled.*,
            group_types.group_type
        from {{ pooled_counts }} as pooled
        inner join (select distinct group_name, group_type from {{ group_members }}) as group_types
            on pooled.group_name = group_types.group_name

    ),

    board_counts as (

        select
            geography_level,
            geography_code,
            reporting_year,
            sum(case when group_name = 'BME' then {{ members }} end) as bme_members,
            sum(case when group_type = 'ethnic_group' then {{ members }} end) as all_members,
            sum(case when group_name = 'Unknown' then {{ members }} end) as unknown_members,
            sum(case when group_name = 'BME' then headcount end) as bme_headcount,
            sum(case when group_type = 'ethnic_group' then headcount end) as all_headcount,
            max(trusts_contributing) as trusts_contributing,
            max(trusts_expected) as trusts_expected,
            max(counts_note) as counts_note
        from counts
        group by geography_level, geography_code, reporting_year

    ),

    measured as (

        select
            *,
            case
                when all_members > 0 and all_headcount > 0
                    then 100.0 * bme_members::double / all_members
                        - 100.0 * bme_headcount::double / all_headcount
            end as value
        from board_counts

    ),

    metric_rows as (

        select
            '{{ metric_id }}'::varchar as metric_id,
            reporting_year::integer as reporting_year,
            geography_level::varchar as geography_level,
            geography_code::varchar as geography_code,
            'all'::varchar as breakdown,
            'BME'::varchar as "group",
            null::varchar as comparison,
            value::double as value,
            null::double as ci_lower,
            null::double as ci_upper,
            bme_members::bigint as numerator_a,
            all_members::bigint as denominator_a,
            null::bigint as numerator_b,
            null::bigint as denominator_b,
            null::varchar as equity_band,
            null::boolean as significant,
            false as suppressed,
            coalesce(
                counts_note,
                case
                    when all_members = 0
                        then 'Undefined: no {{ members_label }}, so their BME share is undefined.'
                    when all_headcount = 0
                        then 'Undefined: no staff in the workforce, so its BME share is undefined.'
                    when unknown_members = all_members
                        then 'All {{ members_label }} are of unknown ethnicity, so their BME'
                            || ' share is 0 and the gap is minus the BME share of the workforce.'
                end
            )::varchar as note,
            trusts_contributing::bigint as trusts_contributing,
            trusts_expected::bigint as trusts_expected,
            '{{ var("method_version") }}'::varchar as method_version
        from measured

    )

    select {{ equity_metrics_columns() }} from metric_rows

{% endmacro %}
