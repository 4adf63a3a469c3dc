-- The published suppression log (metrics.md, Disclosure control): one row per suppressed
-- figure of equity_metrics, count it depends on that disclosure control withheld, and rule,
-- so that auditors can see the rules were applied. It never holds a hidden value: no count,
-- no value, only which row, which count column and which rule.
--
-- It starts from the rows equity_metrics publishes as suppressed and looks up, for each, the
-- counts behind it (the `row_counts` list below: which count feeds which column of which
-- metric) in the disclosure-controlled cells:
--   - staff survey (wres5-8): respondents answering, denominator_a, rules
--     `survey_minimum_base`, `secondary` (the ethnic totals) and, from method 1.1,
--     `secondary_region`, `secondary_england` and `secondary_lineage` (the geographic
--     totals) (int_staff_survey__controlled_counts); a row forced by several totals in the
--     same round has one log row per total;
--   - concerns: cases, exclusions and assessments, rules `concerns_primary_1_to_7` and
--     `secondary` (int_concerns__secondary_suppression); for an RL the group of interest's
--     counts are the `_a` columns and the reference group's the `_b` columns;
--   - the concerns median rule `concerns_median_minimum`, at every level: fewer than
--     var('median_minimum_count') exclusions ended (numerator_a).
-- A row can be withheld for several counts and rules: each is a row of the log. The tests
-- check that every suppressed row of equity_metrics has at least one, and that the log
-- lists no other row (tests/assert_suppression_log_matches_equity_metrics.sql).
with

equity_metrics as (

    select * from {{ ref('fct_equity_metrics') }}

),

survey_counts as (

    select * from {{ ref('int_staff_survey__controlled_counts') }}

),

concerns_cells as (

    select * from {{ ref('int_concerns__secondary_suppression') }}

),

suppressed_rows as (

    select metric_id, reporting_year, geography_level, geography_code, breakdown, "group", comparison
    from equity_metrics
    where suppressed

),

-- the controlled counts behind each metric: the column that publishes it, the measure, and
-- whose count it is (the row's group, or an RL's group of interest or reference group)
row_counts(metric_id, withheld_column, measure, count_type, whose) as (

    values
        ('wres5_pct_hba_public', 'denominator_a', 'respondents_answering', 'respondents', 'group'),
        ('wres6_pct_hba_staff', 'denominator_a', 'respondents_answering', 'respondents', 'group'),
        ('wres7_pct_equal_opps', 'denominator_a', 'respondents_answering', 'respondents', 'group'),
        ('wres8_pct_discrimination', 'denominator_a', 'respondents_answering', 'respondents', 'group'),
        ('concerns_rate_per_1000', 'numerator_a', 'cases', 'cases', 'group'),
        ('concerns_rl_referral', 'numerator_a', 'cases', 'cases', 'interest'),
        ('concerns_rl_referral', 'numerator_b', 'cases', 'cases', 'reference'),
        ('concerns_rl_exclusion', 'numerator_a', 'exclusions', 'exclusions', 'interest'),
        ('concerns_rl_exclusion', 'denominator_a', 'cases', 'cases', 'interest'),
        ('concerns_rl_exclusion', 'numerator_b', 'exclusions', 'exclusions', 'reference'),
        ('concerns_rl_exclusion', 'denominator_b', 'cases', 'cases', 'reference'),
        ('concerns_pct_assessed_expected', 'numerator_a', 'assessed_expected', 'assessments', 'group'),
        ('concerns_pct_assessed_expected', 'denominator_a', 'assessments', 'assessments', 'group'),
        ('concerns_median_exclusion_days', 'numerator_a', 'exclusions_ended', 'exclusions', 'group')

),

suppressed_row_counts as (

    select
        suppressed_rows.*,
        row_counts.withheld_column,
        row_counts.measure,
        row_counts.count_type,
        case row_counts.whose
            when 'group' then suppressed_rows."group"
            when 'interest' then split_part(suppressed_rows.comparison, ' vs ', 1)
            when 'reference' then split_part(suppressed_rows.comparison, ' vs ', 2)
        end as count_group
    from suppressed_rows
    inner join row_counts
        on suppressed_rows.metric_id = row_counts.metric_id

),

-- the concerns cell of each count; a published concerns group is a place of qualification
-- or else an ethnic group (the place `Unknown` is never published: the rows' `Unknown` is
-- the ethnic one)
concerns_row_cells as (

    select
        suppressed_row_counts.*,
        concerns_cells.is_suppressed,
        concerns_cells.suppression_rule as cell_rule,
        concerns_cells.exact_count
    from suppressed_row_counts
    inner join concerns_cells
        on suppressed_row_counts.reporting_year = concerns_cells.reporting_year
        and suppressed_row_counts.geography_level = concerns_cells.geography_level
        and suppressed_row_counts.geography_code = concerns_cells.geography_code
        and suppressed_row_counts.breakdown = concerns_cells.breakdown
        and suppressed_row_counts.measure = concerns_cells.measure
        and suppressed_row_counts.count_group = concerns_cells.group_name
        and concerns_cells.classification = case
            when suppressed_row_counts.count_group in ('UK', 'IMG', 'EEA', 'Outside EEA')
                then 'qualification'
            else 'ethnicity'
        end
    where suppressed_row_counts.metric_id like 'concerns%'

),

concerns_reasons as (

    -- a count withheld by the primary or the secondary rule
    select
        metric_id, reporting_year, geography_level, geography_code, breakdown, "group",
        comparison, withheld_column, count_type, cell_rule as suppression_rule
    from concerns_row_cells
    where is_suppressed

    union all

    -- the median rule, on the exact number of exclusions ended, at every level (the
    -- number is only compared here, never published)
    select
        metric_id, reporting_year, geography_level, geography_code, breakdown, "group",
        comparison, withheld_column, count_type, 'concerns_median_minimum' as suppression_rule
    from concerns_row_cells
    where metric_id = 'concerns_median_exclusion_days'
        and exact_count > 0
        and exact_count < {{ var('median_minimum_count') }}

),

survey_reasons as (

    select
        suppressed_row_counts.metric_id,
        suppressed_row_counts.reporting_year,
        suppressed_row_counts.geography_level,
        suppressed_row_counts.geography_code,
        suppressed_row_counts.breakdown,
        suppressed_row_counts."group",
        suppressed_row_counts.comparison,
        suppressed_row_counts.withheld_column,
        suppressed_row_counts.count_type,
        -- one row per rule, and so per total that forced it (int_staff_survey__controlled_counts)
        unnest(survey_counts.suppression_rules) as suppression_rule
    from suppressed_row_counts
    inner join survey_counts
        on suppressed_row_counts.reporting_year = survey_counts.reporting_year
        and suppressed_row_counts.geography_level = survey_counts.geography_level
        and suppressed_row_counts.geography_code = survey_counts.geography_code
        and suppressed_row_counts.metric_id = survey_counts.metric_id
        and suppressed_row_counts.count_group = survey_counts.group_name
    where survey_counts.suppressed

),

reasons as (

    select * from concerns_reasons
    union all
    select * from survey_reasons

),

suppression_log as (

    select
        'equity_metrics'::varchar as table_name,
        metric_id::varchar as metric_id,
        reporting_year::integer as row_reporting_year,
        geography_level::varchar as geography_level,
        geography_code::varchar as geography_code,
        breakdown::varchar as breakdown,
        "group"::varchar as "group",
        comparison::varchar as comparison,
        withheld_column::varchar as withheld_column,
        count_type::varchar as count_type,
        suppression_rule::varchar as suppression_rule
    from reasons

)

select * from suppression_log
order by metric_id, row_reporting_year, geography_level, geography_code, breakdown, "group",
    comparison, withheld_column, suppression_rule
