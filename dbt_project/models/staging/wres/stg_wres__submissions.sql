with

source as (

    select * from {{ source('wres', 'wres_submission') }}

),

renamed as (

    select
        ---------- ids (from the file name, which validation matched to the sheet)
        _file_org_code::varchar as org_code,
        _file_year::integer as reporting_year,

        ---------- as declared in the sheet
        org_code::varchar as declared_org_code,
        reporting_year::integer as declared_reporting_year,

        ---------- dates
        submission_date::date as submission_date,

        ---------- provenance
        _source_file::varchar as source_file,
        _source_row::bigint as source_row

    from source

)

select * from renamed
