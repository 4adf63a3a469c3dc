with

source as (

    select * from {{ source('wres', 'wres_disciplinary') }}

),

renamed as (

    select
        ---------- ids (trust and year from the file name)
        _file_org_code::varchar as org_code,
        _file_year::integer as reporting_year,
        ethnic_category::varchar as ethnic_category,

        ---------- counts
        entered_formal_disciplinary::bigint as entered_formal_disciplinary,

        ---------- provenance
        _source_file::varchar as source_file,
        _source_row::bigint as source_row

    from source

)

select * from renamed
