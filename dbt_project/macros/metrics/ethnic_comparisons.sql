{#-
    The (interest, reference) group pairs of an ethnic relative likelihood, for
    `relative_likelihood_rows` (metrics.md, WRES: "Beyond the official pair"). The official
    pair comes first, then each BME broad group against White, with the group of interest
    placed as in the official definition:
    - interest 'White':    White vs BME, White vs Asian, White vs Black, White vs Mixed,
                           White vs Other (wres2, wres4);
    - interest 'minority': BME vs White, Asian vs White, Black vs White, Mixed vs White,
                           Other vs White (wres3, wres3 two-year).
-#}
{% macro ethnic_comparisons(interest) -%}
    {%- set minority_groups = ['BME', 'Asian', 'Black', 'Mixed', 'Other'] -%}
    {%- set pairs = [] -%}
    {%- for minority_group in minority_groups -%}
        {%- if interest == 'White' -%}
            {%- do pairs.append(('White', minority_group)) -%}
        {%- elif interest == 'minority' -%}
            {%- do pairs.append((minority_group, 'White')) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error("interest must be 'White' or 'minority', not '" ~ interest ~ "'") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(pairs) }}
{%- endmacro %}
