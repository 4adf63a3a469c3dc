{#- Each reporting trust once per geography its counts are pooled into: itself, its region,
    England, and the successor lineage it belongs to (trends only). WRES and the staff survey
    pool the same way; only what makes a trust contribute differs. -#}
{% macro trust_geography_rows(reporting_trusts, successor_lineages) %}
    select *, 'trust' as geography_level, org_code as geography_code
    from {{ reporting_trusts }}

    union all
    select *, 'region' as geography_level, region_code as geography_code
    from {{ reporting_trusts }}

    union all
    select *, 'national' as geography_level,
        '{{ var("national_geography_code") }}' as geography_code
    from {{ reporting_trusts }}

    union all
    select {{ reporting_trusts }}.*, 'successor_lineage' as geography_level,
        {{ successor_lineages }}.successor_code as geography_code
    from {{ reporting_trusts }}
    inner join {{ successor_lineages }}
        on {{ reporting_trusts }}.org_code = {{ successor_lineages }}.org_code
{% endmacro %}


{#- Per geography and year: how many of its trusts contributed counts, and how many were
    expected to. -#}
{% macro geography_trust_counts(trust_geographies, contributed) %}
    select
        geography_level,
        geography_code,
        reporting_year,
        count(*) filter (where {{ contributed }}) as trusts_contributing,
        count(*) filter (where is_expected) as trusts_expected
    from {{ trust_geographies }}
    group by all
{% endmacro %}


{#- The counts of a geography are the sums of its trusts' counts: pooled, never trust
    values averaged. trust_group_counts holds contributing trusts only, so only those are
    summed. -#}
{% macro pooled_trust_sums(trust_geographies, trust_group_counts, keys, measures) %}
    select
        {{ trust_geographies }}.geography_level,
        {{ trust_geographies }}.geography_code,
        {{ trust_geographies }}.reporting_year,
        {%- for key in keys %}
        {{ trust_group_counts }}.{{ key }},
        {%- endfor %}
        {%- for measure in measures %}
        sum({{ trust_group_counts }}.{{ measure }}) as {{ measure }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ trust_geographies }}
    inner join {{ trust_group_counts }}
        on {{ trust_geographies }}.org_code = {{ trust_group_counts }}.org_code
        and {{ trust_geographies }}.reporting_year = {{ trust_group_counts }}.reporting_year
    group by all
{% endmacro %}


{#- trusts_contributing and trusts_expected as the contract gives them: on region and
    national rows only (and successor lineages, which trends read). -#}
{% macro area_trust_counts(geography_trusts) %}
        case when {{ geography_trusts }}.geography_level <> 'trust'
            then {{ geography_trusts }}.trusts_contributing end::bigint as trusts_contributing,
        case when {{ geography_trusts }}.geography_level <> 'trust'
            then {{ geography_trusts }}.trusts_expected end::bigint as trusts_expected
{% endmacro %}
