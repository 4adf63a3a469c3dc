-- Staff survey counts at every published level: each trust, each region and England, per
-- WRES year, indicator and ethnic group (Unknown included, for disclosure control; the
-- metric rows leave it out). A region's or England's counts are the sums over its trusts
-- with respondents: respondents are pooled, never trust percentages averaged. A geography
-- without respondents (a trust that had none, or a year whose survey file is missing or
-- quarantined) still has rows, with null counts and a counts_note.
with

survey_years as (

    select * from {{ ref('int_staff_survey__survey_years') }}

),

trust_geographies as (

    select * from {{ ref('int_staff_survey__trust_geographies') }}

),

trust_group_counts as (

    select * from {{ ref('int_staff_survey__trust_group_counts') }}

),

indicators as (

    {% for indicator in staff_survey_indicators() %}
    select '{{ indicator.metric_id }}' as metric_id
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

groups as (

    select distinct group_name from {{ ref('int_ethnic_group_members') }}

),

geography_trusts as (

    {{ geography_trust_counts('trust_geographies', 'has_respondents') }}

),

pooled_sums as (

    {{ pooled_trust_sums(
        'trust_geographies', 'trust_group_counts',
        keys=['metric_id', 'group_name'],
        measures=['respondents_answering', 'respondents_counted'],
    ) }}

),

pooled_counts as (

    select
        geography_trusts.geography_level,
        geography_trusts.geography_code,
        geography_trusts.reporting_year,
        survey_years.survey_year,
        indicators.metric_id,
        groups.group_name,
        pooled_sums.respondents_answering::bigint as respondents_answering,
        pooled_sums.respondents_counted::bigint as respondents_counted,
        {{ area_trust_counts('geography_trusts') }},
        case
            when survey_years.file_status <> 'loaded' then survey_years.survey_note
            when geography_trusts.trusts_contributing = 0
                then case geography_trusts.geography_level
                    when 'trust'
                        then 'No staff survey respondents from this trust in survey year '
                            || survey_years.survey_year || '.'
                    when 'region'
                        then 'No trust in this region had staff survey respondents in survey year '
                            || survey_years.survey_year || '.'
                    when 'successor_lineage'
                        then 'No trust of this successor''s lineage had staff survey respondents in survey year '
                            || survey_years.survey_year || '.'
                    else 'No trust in England had staff survey respondents in survey year '
                        || survey_years.survey_year || '.'
                end
        end as counts_note
    from geography_trusts
    inner join survey_years
        on geography_trusts.reporting_year = survey_years.reporting_year
    cross join indicators
    cross join groups
    left join pooled_sums
        on geography_trusts.geography_level = pooled_sums.geography_level
        and geography_trusts.geography_code = pooled_sums.geography_code
        and geography_trusts.reporting_year = pooled_sums.reporting_year
        and indicators.metric_id = pooled_sums.metric_id
        and groups.group_name = pooled_sums.group_name

)

select * from pooled_counts
