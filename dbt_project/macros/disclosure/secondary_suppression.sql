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
    total_cells:  optional relation with `total_id` and `cell_id`: the cell that publishes a
                  total itself, where it is published. It counts as one more figure of its
                  total: a hidden total whose parts are all published is recoverable by
                  adding them up, so it too makes "exactly one" hidden. It is never picked
                  (the total's parts are). Without it, only the parts count (metrics.md).

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
{% macro secondary_suppression(cells, memberships, total_cells=none) -%}
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
                    filter (where memberships.is_part and suppressed.cell_id is null
                        and parts.cell_count <> 0) as cell_id,
                (select max(suppression_round) + 1 from suppressed_cells) as suppression_round
            from {{ secondary_suppression_members(memberships, total_cells) }} as memberships
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


{#-
    The figures of each total that count towards "exactly one hidden": its parts
    (`is_part`), and the total's own published cell where one is given (never picked).
-#}
{% macro secondary_suppression_members(memberships, total_cells=none) -%}
(
    select total_id, cell_id, part_name, true as is_part from {{ memberships }}
    {%- if total_cells %}
    union all
    select total_id, cell_id, null as part_name, false as is_part from {{ total_cells }}
    {%- endif %}
)
{%- endmacro %}


{#-
    Which total forced each secondary suppression: a subquery with one row per (total, cell it
    picked): `total_id`, `cell_id`, `suppression_round`. `suppressed` is the result of
    secondary_suppression on the same cells, memberships and total_cells.

    It is worked out from the rounds, without running them again. A total picks at most
    once: in the round after its first hidden figure (round r1), if that figure was the only
    one hidden in round r1 and a part is left to pick; after its pick it has two. Its pick is
    the smallest unsuppressed non-zero part at the start of round r1 + 1 (ties to the first
    name), exactly as the fixpoint chose it. A cell picked by several totals in one round has
    one row per total.
-#}
{% macro secondary_suppression_picks(cells, memberships, suppressed, total_cells=none) -%}
(
    with members as (

        select
            memberships.total_id,
            memberships.cell_id,
            memberships.part_name,
            memberships.is_part,
            cells.cell_count,
            suppressed.suppression_round,
            min(suppressed.suppression_round) over (partition by memberships.total_id) as first_round
        from {{ secondary_suppression_members(memberships, total_cells) }} as memberships
        inner join {{ cells }} as cells
            on memberships.cell_id = cells.cell_id
        left join {{ suppressed }} as suppressed
            on memberships.cell_id = suppressed.cell_id

    ),

    first_hidden as (

        select total_id, any_value(first_round) as first_round
        from members
        group by total_id
        having count(*) filter (where suppression_round = first_round) = 1

    ),

    picks as (

        select
            members.total_id,
            arg_min(members.cell_id, (members.cell_count, members.part_name)) as cell_id,
            any_value(first_hidden.first_round) + 1 as suppression_round
        from members
        inner join first_hidden
            on members.total_id = first_hidden.total_id
        where members.is_part
            and coalesce(members.suppression_round > first_hidden.first_round, true)
            and members.cell_count <> 0
        group by members.total_id

    )

    select total_id, cell_id, suppression_round from picks
)
{%- endmacro %}
