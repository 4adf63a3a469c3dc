-- The concerns counts as published, one row per reporting year, geography, breakdown and
-- group: the only counts the concerns metric models read (metrics.md: below national level
-- every concerns value and CI is computed from the counts as published). A suppressed count
-- is null with its `<count>_suppressed` flag true; a count that is null because the year's
-- extract was not valid has the flag false and a note.
--
-- Disclosure control is applied in the long model named here, one row per count. Secondary
-- suppression slots in by writing a model of the same columns that reads
-- int_concerns__primary_suppression and suppresses more cells, and naming it here.
{%- set disclosure_cells = 'int_concerns__secondary_suppression' %}
{%- set measures = ['cases', 'exclusions', 'assessments', 'assessed_expected', 'exclusions_ended'] %}
with

disclosed_cells as (

    select * from {{ ref(disclosure_cells) }}

),

published_counts as (

    select
        ---------- the cell
        reporting_year,
        geography_level,
        geography_code,
        breakdown,
        classification,
        group_name,

        ---------- counts as published (null when suppressed or not available)
        {% for measure in measures %}
        max(published_count) filter (where measure = '{{ measure }}')::bigint as {{ measure }},
        {% endfor %}
        max(published_count) filter (where measure = 'practitioners')::bigint as practitioners,

        ---------- disclosure control
        {% for measure in measures %}
        coalesce(bool_or(is_suppressed) filter (where measure = '{{ measure }}'), false)
            as {{ measure }}_suppressed,
        {% endfor %}

        ---------- why counts are null when not suppressed
        max(count_note) filter (where measure = 'cases')::varchar as cases_note,
        max(count_note) filter (where measure = 'practitioners')::varchar as population_note

    from disclosed_cells
    group by reporting_year, geography_level, geography_code, breakdown, classification, group_name

)

select * from published_counts
