with

source as (

    select * from {{ source('concerns', 'concerns_cases') }}

),

renamed as (

    select
        ---------- ids
        case_ref::varchar as case_ref,
        practitioner_pseudonym::varchar as practitioner_pseudonym,  -- pii
        org_code::varchar as org_code,
        region_code::varchar as region_code,
        -- a case belongs to the year its file was landed in (validated: opened in that year)
        _file_year::integer as reporting_year,

        ---------- attributes
        profession::varchar as profession,
        ethnic_category::varchar as ethnic_category,
        place_of_first_qualification::varchar as place_of_first_qualification,
        gender::varchar as gender,
        age_band::varchar as age_band,
        concern_types::varchar as concern_types,
        assessment_outcome::varchar as assessment_outcome,

        ---------- flags (Y/N in the file)
        upper(excluded) = 'Y' as is_excluded,
        upper(assessment_referred) = 'Y' as is_assessment_referred,

        ---------- dates
        case_opened_date::date as case_opened_date,
        case_closed_date::date as case_closed_date,
        exclusion_start_date::date as exclusion_start_date,
        exclusion_end_date::date as exclusion_end_date,

        ---------- provenance
        _source_file::varchar as source_file,
        _source_row::bigint as source_row

    from source

)

select * from renamed
