{#-
    Secondary suppression (metrics.md, "Disclosure control"): within each total, when exactly
    one part is suppressed, the smallest unsuppressed non-zero part (ties broken by name) is
    suppressed too; this repeats until no total has exactly one suppressed part, so that no
    suppressed value can be recovered by subtracting the published parts from the total.

    A subquery (use it as `from {{ secondary_suppression(...) }} as alias`) with one row per
    suppressed cell: `cell_id` and `suppression_round`, 0 for a cell suppressed on entry (the
    primary rules) and n >= 1 for a cell suppressed by this rule in round n.

    cells:        relation with `cell_id` (unique), `cell_count` (the true count; "smallest"
                  compares true counts) and `is_suppressed` (primary suppression, not null).
    memberships:  relation with `total_id`, `cell_id` and `part_name`: one row per part of a
                  total. A cell can be a part of several totals (and a total a part of
                  another); its name can differ from one total to the next (a group name, a
                  profession, a region code), but must be unique within a total.

    The work goes in rounds. Each round looks at every total as it stood at the start of the
    round and suppresses, in each total with exactly one suppressed part, its smallest
    unsuppressed part with a count other than 0 (null counts are never chosen either). The
    picks of a round are added together, so the result does not depend on the order in which
    totals are visited; the rounds stop when a round picks nothing (it always ends: every
    round adds a cell). Ties on the count go to the first name in code-point order, so the
    result is deterministic.

    It is a recursive CTE with USING KEY (DuckDB >= 1.3): `suppressed_cells` is then the
    cells added in the last round, and `recurring.suppressed_cells` all the cells suppressed
    so far, which is what each round needs. It sits inside a subquery so that the model keeps
    a plain top-level WITH (dbt unit tests add their input CTEs to it).
-#}
{% macro secondary_suppression(cells, memberships) -%}
(
    with recursive suppressed_cells(cell_id, suppression_round) using key (cell_id) as (

        select cell_id, 0 as suppression_round
        from {{ cells }}
        where is_suppressed

        union

        select picks.cell_id, picks.suppression_round
        from (
            select
                -- the smallest unsuppressed non-zero part, ties to the first name
                arg_min(parts.cell_id, (parts.cell_count, memberships.part_name))
                    filter (where suppressed.cell_id is null and parts.cell_count <> 0) as cell_id,
                (select max(suppression_round) + 1 from suppressed_cells) as suppression_round
            from {{ memberships }} as memberships
            inner join {{ cells }} as parts
                on memberships.cell_id = parts.cell_id
            left join recurring.suppressed_cells as suppressed
                on memberships.cell_id = suppressed.cell_id
            group by memberships.total_id
            -- exactly one part of the total is suppressed
            having count(suppressed.cell_id) = 1
        ) as picks
        where picks.cell_id is not null

    )

    select cell_id, suppression_round from suppressed_cells
)
{%- endmacro %}
